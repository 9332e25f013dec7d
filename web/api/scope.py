"""Township scope: what a staff member's segments, campaigns and residents are limited to.

- Segments a staff member counts or previews are ANDed with `township eq <their township>`.
- A campaign a staff member creates gets the same condition added to its segment (a built-in
  segment is written out inline first), so it can never reach another township's residents.
- A campaign is a staff member's to see and steer when its segment provably restricts to their
  township: a top-level `all` (at any depth of `all`) holding `township eq T` or `in [T]`.
  Campaigns created from the CLI without that condition are county-wide: admin only.
"""

from __future__ import annotations

from typing import Any

from campaigns import DefinitionError, StoredCampaign
from ledger.segments import FIELDS, AllOf, AnyOf, Condition, Node, Not, Segment
from web.api.tokens import Principal, Role

_TOWNSHIP = FIELDS["township"]


def township_condition(township: str) -> Condition:
    return Condition(_TOWNSHIP, "eq", _TOWNSHIP.normalise(township, "township"), "township")


def scoped_segment(segment: Segment, who: Principal) -> Segment:
    """The segment as `who` may query it: staff get their township's residents only."""
    if who.role is not Role.STAFF or who.township is None:
        return segment
    where = AllOf((segment.where, township_condition(who.township)), "where")
    return Segment(segment.name, where, segment.description)


def restricts_to(node: Node, township: str) -> bool:
    """Whether every resident the node holds lives in `township` (a sufficient, syntactic test)."""
    if isinstance(node, Condition):
        return node.field.name == "township" and (
            (node.op == "eq" and node.value == township)
            or (node.op == "in" and tuple(node.value) == (township,))
        )
    if isinstance(node, AllOf):
        return any(restricts_to(item, township) for item in node.items)
    return False


def may_see_campaign(campaign: StoredCampaign, who: Principal) -> bool:
    if who.role is Role.ADMIN:
        return True
    if who.role is Role.STAFF and who.township is not None:
        try:
            segment = campaign.definition.segment_spec()
        except DefinitionError:  # a built-in segment since renamed: county-wide, admin only
            return False
        return restricts_to(segment.where, who.township)
    return False


def may_see_resident(township: str | None, who: Principal) -> bool:
    return who.role is Role.ADMIN or (who.role is Role.STAFF and township == who.township)


def node_dict(node: Node) -> dict[str, Any]:
    """A parsed segment clause written back as the spec language (for inlining a built-in)."""
    if isinstance(node, Condition):
        value = list(node.value) if isinstance(node.value, tuple) else node.value
        return {"field": node.field.name, node.op: value}
    if isinstance(node, AllOf):
        return {"all": [node_dict(item) for item in node.items]}
    if isinstance(node, AnyOf):
        return {"any": [node_dict(item) for item in node.items]}
    assert isinstance(node, Not)
    return {"not": node_dict(node.item)}


def scoped_definition(data: dict[str, Any], segment: Segment, who: Principal) -> dict[str, Any]:
    """A campaign definition a staff member submits, its segment limited to their township."""
    if who.role is not Role.STAFF or who.township is None:
        return data
    where = {"all": [node_dict(segment.where), node_dict(township_condition(who.township))]}
    inline: dict[str, Any] = {"where": where}
    if segment.description:
        inline["description"] = segment.description
    return {**data, "segment": inline}
