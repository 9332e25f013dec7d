"""What the aliyun stand-in has accepted, as QuerySendDetails reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import RESIDENT_TZ

WAITING, FAILED, DELIVERED = 1, 2, 3


@dataclass(slots=True)
class SentRecord:
    """One accepted message to one number (a SendBatchSms request makes one per number)."""

    biz_id: str
    out_id: str
    phone: str
    template_code: str
    content: str
    sent_at: datetime  # Beijing time
    status: int = WAITING
    err_code: str = ""
    received_at: datetime | None = None

    def as_dto(self) -> dict[str, object]:
        """The SmsSendDetailDTO of this record."""
        dto: dict[str, object] = {
            "PhoneNum": self.phone,
            "SendStatus": self.status,
            "ErrCode": self.err_code,
            "TemplateCode": self.template_code,
            "Content": self.content,
            "SendDate": self.sent_at.strftime("%Y-%m-%d %H:%M:%S"),
            "OutId": self.out_id,
        }
        if self.received_at is not None:
            dto["ReceiveDate"] = self.received_at.strftime("%Y-%m-%d %H:%M:%S")
        return dto


class SentStore:
    """Accepted messages by number, updated when their receipt is reported."""

    def __init__(self) -> None:
        self._by_phone: dict[str, list[SentRecord]] = {}

    def add(self, record: SentRecord) -> None:
        self._by_phone.setdefault(record.phone, []).append(record)

    def report(self, biz_id: str, phone: str, delivered: bool, err_code: str, at: datetime) -> None:
        """Set the outcome the receipt tells (the status query then says the same)."""
        for record in self._by_phone.get(phone, []):
            if record.biz_id == biz_id:
                record.status = DELIVERED if delivered else FAILED
                record.err_code = err_code
                record.received_at = at.astimezone(RESIDENT_TZ)

    def query(self, phone: str, send_date: str, biz_id: str | None) -> list[SentRecord]:
        """Records of `phone` sent on `send_date` (yyyyMMdd, Beijing time), newest first."""
        found = [
            r
            for r in self._by_phone.get(phone, [])
            if r.sent_at.strftime("%Y%m%d") == send_date and (not biz_id or r.biz_id == biz_id)
        ]
        return sorted(found, key=lambda r: r.sent_at, reverse=True)
