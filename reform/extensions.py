"""Extension singletons, bound to the application in the factory."""

from __future__ import annotations

from flask import Response
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic batch migrations on SQLite can find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay loaded after commit: a view that saves and then renders (autosave) must not
# reload the submission, campaign and framework it already holds.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Only the views that opt in are limited; the storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class Compression(Compress):
    """Flask-Compress, leaving alone a byte range (206), which is a slice of the uncoded body."""

    def after_request(self, response: Response) -> Response:
        if response.status_code == 206:
            response.vary.add("Accept-Encoding")
            return response
        return super().after_request(response)


# Which types are compressed, and how, is set by the COMPRESS_* settings in reform/config.py.
compress = Compression()
