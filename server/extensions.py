"""Extension instances, bare, so any module can import them without import cycles.

They are bound to an application in ``server.create_app`` via ``init_app``.
"""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .database import Base
from .schemas import ErrorSchema


class DoorstepApi(Api):
    """flask-smorest, documenting errors as they are really sent (server/errors.py)."""

    ERROR_SCHEMA = ErrorSchema

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = DoorstepApi()
# Rate limits are declared where they apply (e.g. the customer page); storage is in memory
# per process unless RATELIMIT_STORAGE_URI says otherwise.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
