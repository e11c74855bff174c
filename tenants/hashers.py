"""A password hasher for machine-generated one-time passwords."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    """For random one-time passwords (≥ 96 bits), which key stretching cannot make any stronger.

    Never the default, and never re-hashed at login (tenants.backends): it stays until the user changes the password.
    """

    algorithm = "pbkdf2_sha256_onetime"
    iterations = 1000


def password_is_one_time(encoded: str) -> bool:
    """Whether a stored password is still a generated one-time password, which must be changed before any use."""
    return encoded.startswith(f"{OneTimePasswordHasher.algorithm}$")
