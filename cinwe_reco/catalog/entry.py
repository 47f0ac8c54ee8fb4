"""The catalog entry record: one real product with the facts of SPEC section 4 (v2)."""

from __future__ import annotations

from typing import Any, NamedTuple

# Facts an imported (unreviewed) entry may leave unknown (null or absent): the engine treats
# them as missing values, never as zeros or guesses.
UNKNOWABLE = ("vendor", "vendor_country", "description", "company_size", "ui_languages",
              "eu_hosting", "open_source", "self_hostable", "ease_of_use", "sectors",
              "integrations")
UNKNOWABLE_PRICING = ("free_plan", "per_user")
STRENGTHS = ("core", "solid", "basic")


class Tool(NamedTuple):
    """One real product of the catalog.

    A named tuple: immutable, and cheap to rebuild from the cache (10,000 in a few ms).
    ``capabilities`` lists ids; ``strengths`` and ``plan_prices`` run alongside it (one value per
    capability: ``core``/``solid``/``basic`` or None when unknown, and the monthly price of the
    cheapest plan that has it when that is not the entry plan).
    """

    id: str
    name: str
    vendor: str | None  # None: unknown (imported, unreviewed entries only)
    website: str
    vendor_country: str | None
    description: str | None
    categories: tuple[str, ...]
    capabilities: tuple[str, ...]
    free_plan: bool | None
    entry_eur_month: float | None
    per_user: bool | None
    min_employees: int | None
    max_employees: int | None
    ui_languages: tuple[str, ...] | None
    eu_hosting: bool | None
    open_source: bool | None
    self_hostable: bool | None
    ease_of_use: int | None
    integrations: tuple[str, ...]
    sectors: tuple[str, ...] | None
    source: str
    reviewed: str
    free_plan_limits: str | None = None
    free_max_contacts: int | None = None
    free_max_users: int | None = None
    quote_only: bool = False
    currency: str | None = None
    status: str = "reviewed"
    popularity: float | None = None
    price_estimated: bool = False
    sources: tuple[dict, ...] = ()
    file: str = ""
    strengths: tuple[str | None, ...] = ()
    plan_prices: tuple[float | None, ...] = ()
    contact_tiers: tuple[tuple[int, float], ...] = ()
    entry_billing: str | None = None
    presence: int | None = None
    presence_evidence: str | None = None
    platforms: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    review_basis: str | None = None
    notes: str | None = None  # the reviewer's caveats (what could not be confirmed)

    def strength(self, capability: str) -> str | None:
        """``core``, ``solid`` or ``basic`` for a capability the tool has; None otherwise or
        when unknown (imported entries)."""
        try:
            i = self.capabilities.index(capability)
        except ValueError:
            return None
        return self.strengths[i] if i < len(self.strengths) else None

    def plan_price(self, capability: str) -> float | None:
        """The monthly price of the cheapest plan with this capability, when it is not the
        entry plan; None when the entry plan has it or nothing is known."""
        try:
            i = self.capabilities.index(capability)
        except ValueError:
            return None
        return self.plan_prices[i] if i < len(self.plan_prices) else None

    @property
    def core_capabilities(self) -> tuple[str, ...]:
        """The capabilities the product is built and bought for."""
        return tuple(c for c, s in zip(self.capabilities, self.strengths, strict=False)
                     if s == "core")

    @property
    def unknown_facts(self) -> list[str]:
        """The facts this entry leaves unknown (only imported entries may)."""
        names = [f for f in UNKNOWABLE if f not in ("company_size", "integrations")
                 and getattr(self, f) is None]
        if self.min_employees is None:
            names.append("company_size")
        names += [f"pricing.{f}" for f in UNKNOWABLE_PRICING if getattr(self, f) is None]
        if self.entry_eur_month is None and not self.quote_only:
            names.append("pricing.entry_eur_month")
        if self.capabilities and all(s is None for s in self.strengths):
            names.append("capability strengths")
        if self.presence is None:
            names.append("market.presence")
        return names

    def capabilities_dict(self) -> dict[str, dict[str, Any]]:
        """``{capability: {"strength": ..., "plan_eur_month": ...}}`` (SPEC section 4)."""
        out: dict[str, dict[str, Any]] = {}
        for i, cap in enumerate(self.capabilities):
            item: dict[str, Any] = {
                "strength": self.strengths[i] if i < len(self.strengths) else None}
            price = self.plan_prices[i] if i < len(self.plan_prices) else None
            if price is not None:
                item["plan_eur_month"] = price
            out[cap] = item
        return out

    def to_dict(self) -> dict[str, Any]:
        """The entry in the catalog's own shape (SPEC section 4 fields, v2)."""
        pricing: dict[str, Any] = {
            "free_plan": self.free_plan,
            "entry_eur_month": self.entry_eur_month,
            "per_user": self.per_user,
        }
        for key in ("free_plan_limits", "free_max_contacts", "free_max_users", "currency",
                    "entry_billing"):
            if getattr(self, key) is not None:
                pricing[key] = getattr(self, key)
        if self.contact_tiers:
            pricing["contact_tiers"] = [{"contacts": c, "eur_month": e}
                                        for c, e in self.contact_tiers]
        if self.quote_only:
            pricing["quote_only"] = True
        if self.price_estimated:
            pricing["estimated"] = True
        out: dict[str, Any] = {
            "id": self.id, "name": self.name, "vendor": self.vendor, "website": self.website,
            "vendor_country": self.vendor_country, "description": self.description,
            "categories": list(self.categories), "capabilities": self.capabilities_dict(),
            "pricing": pricing,
            "company_size": None if self.min_employees is None else {
                "min_employees": self.min_employees, "max_employees": self.max_employees},
            "ui_languages": None if self.ui_languages is None else list(self.ui_languages),
            "eu_hosting": self.eu_hosting,
            "open_source": self.open_source, "self_hostable": self.self_hostable,
            "ease_of_use": self.ease_of_use, "integrations": list(self.integrations),
            "sectors": None if self.sectors is None else list(self.sectors),
            "market": None if self.presence is None else {
                "presence": self.presence, "evidence": self.presence_evidence},
            "platforms": list(self.platforms), "requires": list(self.requires),
            "aliases": list(self.aliases),
            "source": self.source, "reviewed": self.reviewed,
        }
        if self.review_basis is not None:
            out["review_basis"] = self.review_basis
        if self.notes is not None:
            out["notes"] = self.notes
        if self.sources:
            out["sources"] = [dict(s) for s in self.sources]
        if self.status != "reviewed":
            out["status"] = self.status
        if self.popularity is not None:
            out["popularity"] = self.popularity
        return out
