"""The chaincode application: every domain's contract behind one router."""

from __future__ import annotations

from chaincode.compensation.contract import CompensationContract
from chaincode.credit.contract import CreditContract
from chaincode.enterprise.contract import EnterpriseContract
from chaincode.facts import credit, violations  # noqa: F401  (declares their namespaces at start-up)
from chaincode.governance.consultations import ConcernContract, ConsultationContract
from chaincode.governance.contract import ProposalContract
from chaincode.governance.projects import ProjectContract
from chaincode.market.contract import MarketContract
from chaincode.monitoring.compliance import ComplianceContract
from chaincode.monitoring.contract import LicenceContract, MonitorContract, ReportContract
from chaincode.monitoring.enforcement import PeriodContract, ViolationContract
from chaincode.monitoring.sharing import SharingContract
from chaincode.permit.contract import PermitContract
from chaincode.registry.contract import RegistryContract
from chaincode.runtime.router import Contract, Router
from chaincode.waste.after_receipt import ManifestAfterReceipt
from chaincode.waste.contract import FacilityContract, ManifestContract
from chaincode.waste.queries import ManifestQueries


def all_contracts() -> list[Contract]:
    """The contracts this chaincode serves; a new domain adds its contract here."""
    return [RegistryContract(), EnterpriseContract(), PermitContract(), MarketContract(), LicenceContract(),
            MonitorContract(), ReportContract(), ViolationContract(), PeriodContract(),
            ComplianceContract(), SharingContract(), CreditContract(),
            CompensationContract(), FacilityContract(), ManifestContract(),
            ManifestAfterReceipt(), ManifestQueries(), ProposalContract(), ConcernContract(),
            ConsultationContract(), ProjectContract()]


def build_router() -> Router:
    return Router(all_contracts())
