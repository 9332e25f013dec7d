"""The resident ledger: model, ID and phone rules, file import, segments."""

from ledger.codes import (
    Employment,
    Group,
    LabelledCode,
    MedicalScheme,
    PensionScheme,
    Sex,
    SpecialCategory,
    Status,
    UninsuredReason,
)
from ledger.columns import HEADERS, Field, HeaderError, HeaderMap
from ledger.identity import IdentityError, IdNumber, check_character, parse_id_number, parse_phone
from ledger.importer import ImportResult, default_errors_path, import_ledger
from ledger.lookup import LedgerContact, resident_by_phone_and_id_suffix, resident_contact
from ledger.model import RESIDENTS, Resident
from ledger.record import RowError, RowParser
from ledger.source import SourceError, open_ledger

__all__ = [
    "HEADERS",
    "RESIDENTS",
    "Employment",
    "Field",
    "Group",
    "HeaderError",
    "HeaderMap",
    "IdNumber",
    "IdentityError",
    "ImportResult",
    "LabelledCode",
    "LedgerContact",
    "MedicalScheme",
    "PensionScheme",
    "Resident",
    "RowError",
    "RowParser",
    "Sex",
    "SourceError",
    "SpecialCategory",
    "Status",
    "UninsuredReason",
    "check_character",
    "default_errors_path",
    "import_ledger",
    "open_ledger",
    "parse_id_number",
    "parse_phone",
    "resident_by_phone_and_id_suffix",
    "resident_contact",
]
