"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_caching import Cache
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from reviewapp.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
# The public pages' cache (reviewapp/public/page_cache.py), configured in create_app.
cache = Cache()
login_manager = LoginManager()
