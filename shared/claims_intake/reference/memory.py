"""Reference data held in memory, indexed the way the check asks for it (by member, TAR, NPI)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .model import Authorization, ContractRate, EligibilitySpan, Provider, authorization_key


@dataclass
class InMemoryReference:
    """A `ReferenceSource` over lists of rows: the CLI's `--reference DIR`, tests, the bench."""

    eligibility_spans: list[EligibilitySpan] = field(default_factory=list)
    authorization_list: list[Authorization] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    rates: list[ContractRate] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._eligibility: dict[str, list[EligibilitySpan]] = defaultdict(list)
        self._member_tars: dict[str, list[Authorization]] = defaultdict(list)
        self._tars: dict[str, Authorization] = {}
        self._providers: dict[str, Provider] = {}
        for span in self.eligibility_spans:
            self._eligibility[span.member_cin].append(span)
        for tar in self.authorization_list:
            self._index_authorization(tar)
        for provider in self.providers:
            self._providers[provider.npi] = provider
        self._rates: dict[str, list[ContractRate]] = defaultdict(list)
        for rate in self.rates:
            self._rates[rate.provider_npi].append(rate)

    def add_authorization(self, tar: Authorization) -> None:
        self.authorization_list.append(tar)
        self._index_authorization(tar)

    def _index_authorization(self, tar: Authorization) -> None:
        self._member_tars[tar.member_cin].append(tar)
        self._tars.setdefault(authorization_key(tar.number), tar)

    def eligibility(self, member_cin: str) -> list[EligibilitySpan]:
        return self._eligibility.get(member_cin, [])

    def authorizations(self, member_cin: str) -> list[Authorization]:
        return self._member_tars.get(member_cin, [])

    def authorization(self, number: str) -> Authorization | None:
        return self._tars.get(authorization_key(number))

    def provider(self, npi: str) -> Provider | None:
        return self._providers.get(npi)

    def contract_rates(self, npi: str) -> list[ContractRate]:
        return self._rates.get(npi, [])
