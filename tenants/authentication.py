"""The API's token sign-in: the token, its user and the user's roles and permissions in one query."""

from rest_framework.authentication import TokenAuthentication

from tenants.backends import user_access_annotations, user_access_remember


class CentreTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the user's groups and permissions with the token: one query where the
    token, the role check and Django's two permission queries took four. A refused token goes DRF's own way."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        tokens = model.objects.select_related("user").annotate(**user_access_annotations(model, "user"))
        try:
            token = tokens.get(key=key)  # unordered: first() would compile an ORDER BY for a unique key
        except model.DoesNotExist:
            token = None
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's refusal and its message
        user_access_remember(token.user, token)
        return token.user, token
