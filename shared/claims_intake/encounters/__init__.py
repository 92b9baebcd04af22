"""837P encounters for DHCS from decided claims (docs/encounters.md).

build_encounter(check_result, decided_on=...)  -> EncounterClaim (or NotEncodable: held, with the reason)
write_encounters([...], counter, created=...)  -> EncounterFile (one interchange, one group per plan)
check_encounter_file(text)                     -> problems the X12 validator does not look for
write_remittances([...], counter, paid_on=...) -> 835 remittance advice, one per provider per payment run
"""

from .build import (  # noqa: F401
    ORIGINAL,
    REPLACEMENT,
    EncounterClaim,
    NotEncodable,
    NothingToReport,
    build_encounter,
    line_policy,
)
from .checks import check_encounter_file, check_remittance_file  # noqa: F401
from .control import ControlNumbers, DynamoControlNumbers, FileControlNumbers  # noqa: F401
from .document import EncounterFile, write_encounters  # noqa: F401
from .remittance import RemittanceFile, write_remittances  # noqa: F401
