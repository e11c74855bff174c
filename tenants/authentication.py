"""The API's token sign-in: the token, its user and the user's roles and permissions in one query."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from tenants.backends import user_access_annotations, user_access_remember
from tenants.compiled import CompiledLookup

# The token with its user, the user's group names and permissions; the SQL is written once per process.
_token_with_access = CompiledLookup(
    lambda key: Token.objects.select_related("user").annotate(**user_access_annotations(Token, "user")).filter(key=key)
)


class CentreTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's groups and permissions with the token: one query where the
    token, the role check and Django's two permission queries took four. A refused token goes DRF's own way."""

    def authenticate_credentials(self, key):
        token = _token_with_access.get(key) if self.get_model() is Token else None
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's refusal and its message
        user_access_remember(token.user, token)
        return token.user, token
