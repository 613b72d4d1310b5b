"""Every model, imported in one place so Alembic and the shell see the whole schema."""

from .accounts.models import Device, Role, User  # noqa: F401
from .assets.models import Asset, ProductCategory  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .billing.models import Payment, Quote, Refund  # noqa: F401
from .customers.models import Address, Customer  # noqa: F401
from .dispatch.models import SlaEscalation  # noqa: F401
from .feedback.models import Complaint, Survey  # noqa: F401
from .incidents.models import (  # noqa: F401
    Incident,
    IncidentDeadline,
    IncidentLevelChange,
    IncidentOrder,
)
from .complaints.models import ComplaintStep  # noqa: F401
from .followups.models import FollowUp  # noqa: F401
from .plans.models import Plan  # noqa: F401
from .kpis.models import KpiOrderFacts  # noqa: F401
from .qc.models import CorrectiveAction, Evaluation, QcItem, QcReview, QcSampleWeek  # noqa: F401
from .inventory.models import (  # noqa: F401
    LocationKind,
    Part,
    StockLevel,
    StockLocation,
    StockMovement,
)
from .knowledge.models import KnowledgeArticle, KnowledgeArticleVersion  # noqa: F401
from .checklists.models import (  # noqa: F401
    ChecklistAnswer,
    ChecklistTemplate,
    ChecklistTemplateVersion,
)
from .media.models import Blob, Photo, PhotoKind, Report, Signature  # noqa: F401
from .notifications.models import Notification  # noqa: F401
from .technicians.models import Technician  # noqa: F401
from .workorders.models import (  # noqa: F401
    NumberSequence,
    PartUsage,
    TimeLog,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderNote,
)
from sync.models import RejectedMutation, ScopeInterval, SyncConflict, SyncCounter  # noqa: F401,E402
from .messaging.models import Message  # noqa: F401,E402
from .portal.models import AppointmentRequest, CustomerLink  # noqa: F401,E402
from .settings.models import Setting  # noqa: F401,E402
from .warranty.models import (  # noqa: F401
    SupplierReturn,
    SupplierReturnLine,
    WarrantyClaim,
    WarrantyClaimLine,
)
from .returns.models import ReturnPhoto, ReturnRequest  # noqa: F401,E402
