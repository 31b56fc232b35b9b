"""The web survey's fixtures (``tests/web/conftest.py``): app, client, rounds, sign-in, on both databases."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_web_fixtures", Path(__file__).parent.parent / "web" / "conftest.py")
_web = importlib.util.module_from_spec(_spec)
sys.modules["_web_fixtures"] = _web
_spec.loader.exec_module(_web)

_instance_folder = _web._instance_folder
app = _web.app
client = _web.client
make_sample = _web.make_sample
make_round = _web.make_round
sign_in = _web.sign_in
start = _web.start
post_page = _web.post_page
csrf_token = _web.csrf_token
ACCESS_CODE_KEY = _web.ACCESS_CODE_KEY
