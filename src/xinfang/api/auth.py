from ninja.security import HttpBearer, SessionAuth

from .tokens import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), SessionAuth()]
