"""Every mapped class, imported in one place so Alembic and the tests see the whole schema."""

from minyi.cases.models import Appeal, Bounce, Case, CaseEvent, CaseUnit
from minyi.core.db import Base
from minyi.core.ids import Counter
from minyi.intake.models import Attachment, Channel
from minyi.org.models import ApiToken, LeaderArea, Staff, Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion

__all__ = [
    "ApiToken", "Appeal", "Attachment", "Base", "Bounce", "Case", "CaseEvent", "CaseUnit",
    "Channel", "Counter", "DictionaryEntry", "DictionaryVersion", "LeaderArea", "Staff", "Unit",
]
