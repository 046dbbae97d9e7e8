"""Handler signature analysis: done once at registration, cheap per request."""

from heron.params.handlers import (
    HandlerSignatureError,
    Invoker,
    compile_handler,
    is_async_callable,
    run_sync,
)

__all__ = ["HandlerSignatureError", "Invoker", "compile_handler", "is_async_callable", "run_sync"]
