"""The workbench: prototype, police and measure an AI-generated-video social platform.

The public entry point is :func:`open_workbench`; every service method takes the acting user.
Heavy libraries (PyAV, pandas) are imported where they are used, so this import stays light.
"""
from workbench.actors import OPERATOR, UserView
from workbench.core import Workbench, open_workbench
from workbench.errors import Conflict, Forbidden, InvalidInput, NotFound, WorkbenchError

__all__ = ["OPERATOR", "Conflict", "Forbidden", "InvalidInput", "NotFound", "UserView", "Workbench",
           "WorkbenchError", "open_workbench"]
