"""Reference data for the check: eligibility, TARs, provider roster (ReferenceSource) and history."""

from .csv_files import (  # noqa: F401
    AUTHORIZATION_COLUMNS,
    CONTRACT_RATE_COLUMNS,
    ELIGIBILITY_COLUMNS,
    HISTORY_COLUMNS,
    PROVIDER_COLUMNS,
    ReferenceDataError,
    load_history_csv,
    load_reference_dir,
    parse_authorization_row,
    parse_contract_rate_row,
    parse_eligibility_row,
    parse_history_row,
    parse_provider_row,
)
from .memory import InMemoryReference  # noqa: F401
from .model import (  # noqa: F401
    Authorization,
    ContractRate,
    EligibilitySpan,
    HistoryLine,
    HistorySource,
    InMemoryHistory,
    Provider,
    ReferenceSource,
    authorization_key,
)
