"""Authentication against the current schema's users."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password

from tenants.hashers import password_is_one_time


class CentreModelBackend(ModelBackend):
    """Django's backend, except that a one-time password is not re-hashed at login: it marks who must change it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # as slow as a wrong password, so as not to tell who exists
            return None
        if password_is_one_time(user.password):
            valid = check_password(password, user.password)  # no setter: the hash is kept as it is
        else:
            valid = user.check_password(password)
        return user if valid and self.user_can_authenticate(user) else None
