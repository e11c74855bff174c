"""A password hasher for machine-generated one-time passwords."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    """For random one-time passwords (≥ 96 bits), which key stretching cannot make any stronger.

    Never the default: Django re-hashes with the default hasher at the first successful login.
    """

    algorithm = "pbkdf2_sha256_onetime"
    iterations = 1000
