"""The desktop client's application context and the facades it hands to the UI. ui/ never sees
SQLAlchemy: it calls these objects (through its task runner) and gets frozen dataclasses back."""

from app.client.context import ClientContext
from app.services.context import Actor

__all__ = ["Actor", "ClientContext"]
