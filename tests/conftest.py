from chat.tests.conftest import people  # noqa: F401  (shared fixture)
