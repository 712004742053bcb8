"""Delta Chat core itself, asked what it makes of a scanned QR code.

The core ships as the `deltachat-rpc-server` binary (a test dependency); the JSON-RPC client
starts it with a temporary accounts folder. `check_qr` is the call the apps make when they
scan a code, so a payload it reads as an account invite is one the apps accept.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import MissingTestTool

RPC_SERVER = "deltachat-rpc-server"

QrCheck = Callable[[str], dict[str, Any]]


@contextmanager
def delta_chat_core(accounts_dir: Path) -> Iterator[QrCheck]:
    """Start Delta Chat core with a fresh unconfigured account; yield its QR check.

    The account stays unconfigured: reading a QR code needs no network and no relay.
    """
    if shutil.which(RPC_SERVER) is None:
        raise MissingTestTool(f"Delta Chat core ({RPC_SERVER})")
    try:
        from deltachat_rpc_client import Rpc
    except ImportError as error:
        raise MissingTestTool("the Delta Chat JSON-RPC client (deltachat-rpc-client)") from error
    with Rpc(accounts_dir=str(accounts_dir)) as rpc:
        account = rpc.add_account()
        yield lambda payload: rpc.check_qr(account, payload)
