"""Heron's debug error page, shown for unhandled exceptions when DEBUG is on."""

from heron.debug.frames import format_traceback_text
from heron.debug.page import render_debug_page
from heron.debug.request_info import REDACTED_NAMES

__all__ = ["REDACTED_NAMES", "format_traceback_text", "render_debug_page"]
