"""The conditions of a conditional dataset as an ODRL 2.2 policy (``odrl:hasPolicy``).

What :func:`catalog.conditions.stated` gives becomes one ``odrl:Offer`` from the dataset's
department (``odrl:assigner``) with the dataset as ``odrl:target``:

- one ``odrl:permission`` to ``odrl:use`` it, constrained by the permitted uses
  (``odrl:purpose`` ``odrl:isAnyOf``), the period of use (``odrl:elapsedTime`` ``odrl:lteq``
  ``"P{n}D"^^xsd:duration``) and the kinds of applicant (``odrl:recipient`` ``odrl:isAnyOf``
  the portal's ``gx:`` applicant-kind terms); with the duty to report use (``odrl:inform``
  the department, every ``odrl:timeInterval`` ``"P{n}D"``) when the conditions set one;
- one ``odrl:prohibition`` of ``odrl:use`` for the forbidden purposes (``odrl:isAnyOf``).

The policy IRI (:func:`catalog.uris.conditions_policy_uri`) is its ``odrl:uid`` and
dereferences to the conditions on the dataset page. DCAT-AP's shapes say nothing of ODRL on a
dataset, so the policy never changes what they check.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog import conditions, uris
from catalog.models import Dataset
from exports.dcat.context import ODRL_, PublishContext
from exports.rdf.terms import IRI, XSD, A, BNode, Chunk, Lit, Node, text, typed
from vocab.namespaces import gx_namespace


def policy_triples(dataset: Dataset, s: IRI, ctx: PublishContext) -> Chunk:
    """The policy of ``dataset`` (subject ``s``); nothing when it states no conditions."""
    stated = conditions.stated(dataset)
    if stated is None:
        return []
    policy = IRI(uris.conditions_policy_uri(ctx.base_url, dataset.id))
    out: Chunk = [
        (s, ODRL_.hasPolicy, policy),
        (policy, A, ODRL_.Offer),
        (policy, ODRL_.uid, policy),
        (policy, ODRL_.target, s),
    ]
    department = dataset.department
    assigner = IRI(uris.department_uri(ctx.base_url, department.slug)) if department else None
    if assigner is not None:
        out.append((policy, ODRL_.assigner, assigner))
    permission = _rule(policy, ODRL_.permission, ODRL_.Permission, s, ctx, out)
    gx = gx_namespace(ctx.base_url)
    _any_of(permission, ODRL_.purpose, [text(u) for u in stated.permitted_uses], ctx, out)
    kinds = [IRI(gx[f"applicant-{kind}"]) for kind in stated.applicant_kinds]
    _any_of(permission, ODRL_.recipient, kinds, ctx, out)
    if stated.period_days:
        _constraint(
            permission, ODRL_.elapsedTime, ODRL_.lteq, [_days(stated.period_days)], ctx, out
        )
    if stated.report_interval_days:
        duty = ctx.bnode()
        out += [(permission, ODRL_.duty, duty), (duty, A, ODRL_.Duty),
                (duty, ODRL_.action, ODRL_.inform)]  # fmt: skip
        if assigner is not None:
            out.append((duty, ODRL_.informedParty, assigner))
        interval = [_days(stated.report_interval_days)]
        _constraint(duty, ODRL_.timeInterval, ODRL_.eq, interval, ctx, out)
    if stated.forbidden_uses:
        prohibition = _rule(policy, ODRL_.prohibition, ODRL_.Prohibition, s, ctx, out)
        _any_of(prohibition, ODRL_.purpose, [text(u) for u in stated.forbidden_uses], ctx, out)
    return out


def _rule(policy: IRI, link: IRI, kind: IRI, target: IRI, ctx: PublishContext, out: Chunk) -> BNode:
    rule = ctx.bnode()
    out += [(policy, link, rule), (rule, A, kind), (rule, ODRL_.target, target),
            (rule, ODRL_.action, ODRL_.use)]  # fmt: skip
    return rule


def _any_of(
    rule: BNode, operand: IRI, values: Sequence[Node], ctx: PublishContext, out: Chunk
) -> None:
    if values:
        _constraint(rule, operand, ODRL_.isAnyOf, values, ctx, out)


def _constraint(
    rule: BNode,
    operand: IRI,
    operator: IRI,
    values: Sequence[Node],
    ctx: PublishContext,
    out: Chunk,
) -> None:
    constraint = ctx.bnode()
    out += [
        (rule, ODRL_.constraint, constraint),
        (constraint, A, ODRL_.Constraint),
        (constraint, ODRL_.leftOperand, operand),
        (constraint, ODRL_.operator, operator),
    ]
    out.extend((constraint, ODRL_.rightOperand, value) for value in values)


def _days(days: int) -> Lit:
    return typed(f"P{days}D", XSD + "duration")
