from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class QuickBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    """bcrypt_sha256 with the cheapest cost, so that tests hash in milliseconds."""

    rounds = 4
