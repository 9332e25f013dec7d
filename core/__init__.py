"""Settings, stores and logging shared by every process; knows nothing of the domain."""

from core.clock import RESIDENT_TZ, stored_utc, today
from core.database import Base, create_engine, create_session_factory, is_sqlite, one_of
from core.errors import BilingualError
from core.group_commit import GroupCommit, GroupRead
from core.heap import freeze_startup_heap
from core.held_connection import HeldConnection
from core.logging import (
    configure_logging,
    get_logger,
    mask_processor,
    resident_ref,
    run_bound,
)
from core.loop import run_loop
from core.masking import mask_id_number, mask_phone, mask_text
from core.migrate import upgrade_to_head
from core.redis import LuaScript, create_redis
from core.row_batches import RowParams, as_columns, is_postgresql, unnested
from core.settings import EMBEDDED_REDIS, Settings, load_settings
from core.transactions import in_transaction, is_transient

__all__ = [
    "EMBEDDED_REDIS",
    "RESIDENT_TZ",
    "Base",
    "BilingualError",
    "GroupCommit",
    "GroupRead",
    "HeldConnection",
    "LuaScript",
    "RowParams",
    "Settings",
    "as_columns",
    "configure_logging",
    "create_engine",
    "create_redis",
    "create_session_factory",
    "freeze_startup_heap",
    "get_logger",
    "in_transaction",
    "is_postgresql",
    "is_sqlite",
    "is_transient",
    "load_settings",
    "mask_id_number",
    "mask_phone",
    "mask_processor",
    "mask_text",
    "one_of",
    "resident_ref",
    "run_bound",
    "run_loop",
    "stored_utc",
    "today",
    "unnested",
    "upgrade_to_head",
]
