from .model import (  # noqa: F401
    Authorization,
    EligibilitySpan,
    HistoryLine,
    HistorySource,
    InMemoryHistory,
    Provider,
    ReferenceSource,
)
