"""Settings of the server that tests/test_api_fuzz.py fuzzes: production's (DEBUG off), with the
cheap bcrypt of the test suite, so that hundreds of generated logins and registrations cost
milliseconds each rather than a quarter of a second."""

from zattar.settings import *  # noqa: F403

PASSWORD_HASHERS = ["accounts.tests.hashers.QuickBCryptSHA256PasswordHasher"]
