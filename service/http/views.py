"""HTTP at the edge: each view loads a schema, calls one use case, dumps a schema."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask import Response, current_app, g, json, request
from flask.views import MethodView
from marshmallow import Schema

import schemas as s
from service import exports, usecases, webhooks
from service.http.guard import SECURITY
from service.usecases import ClaimInput, Context, DocumentInput


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's, with each request schema made once: given a schema class, webargs makes an
    instance of it (and of each schema nested in it) for every request, a tenth of a millisecond of
    a POST. A schema instance keeps nothing of what it loads, so one serves every request."""

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


claims = Blueprint("claims", __name__, description="Claims: one source saying one value for one thing")
groups = Blueprint("groups", __name__, description="Groups: all claims about the same measurable thing")
topics = Blueprint("topics", __name__, description="Topics: broad stories and their conflicts")
documents = Blueprint("documents", __name__, description="Documents: whole articles read into claims")
sources = Blueprint(
    "sources", __name__, description="Sources: outlets, their claims and estimated reliability"
)
health = Blueprint("health", __name__, description="Service health")
exporting = Blueprint(
    "exports", __name__, description="Exports: claims as CSV for spreadsheets, groups as ClaimReview"
)
alerts = Blueprint(
    "webhooks", __name__, description="Webhooks: signed events when a new claim breaks from the consensus"
)


def ctx() -> Context:
    context: Context = current_app.extensions["ceksilang"]
    return context


@claims.route("/claims")
class ClaimCollection(MethodView):
    @claims.arguments(s.ClaimIn)
    @claims.doc(security=SECURITY)
    @claims.response(201, s.PostedClaimOut, description="stored and grouped")
    @claims.alt_response(200, schema=s.PostedClaimOut, description="the same claim was already stored")
    @claims.alt_response(422, schema=s.ProblemOut, description="a field cannot be read")
    @claims.alt_response(401, schema=s.ProblemOut, description="API keys are set and none was given")
    def post(self, data: ClaimInput) -> tuple[usecases.PostedClaim, int]:
        """Store a claim and return the claims it meets."""
        posted = usecases.post_claim(ctx(), data)
        return posted, 201 if posted.created else 200

    @claims.arguments(s.ClaimQuery, location="query")
    @claims.response(200, s.ClaimPageOut)
    def get(self, args: dict[str, Any]) -> Any:
        """List claims, filtered by source, text, topic or group."""
        args["group_id"] = args.pop("group")
        return usecases.list_claims(ctx(), **args)


@claims.route("/claims/<claim_id>")
class ClaimItem(MethodView):
    @claims.response(200, s.ClaimOut)
    @claims.alt_response(404, schema=s.ProblemOut)
    def get(self, claim_id: str) -> Any:
        """Read one claim."""
        return usecases.get_claim(ctx(), claim_id)

    @claims.doc(security=SECURITY)
    @claims.response(200, s.GroupOut, description="the claim's group, re-evaluated without it")
    @claims.alt_response(404, schema=s.ProblemOut)
    @claims.alt_response(409, schema=s.ProblemOut, description="already retracted")
    @claims.alt_response(401, schema=s.ProblemOut, description="API keys are set and none was given")
    def delete(self, claim_id: str) -> Any:
        """Retract a claim: it leaves its group but is kept for audit."""
        return usecases.retract_claim(ctx(), claim_id)

    @claims.arguments(s.RulingIn)
    @claims.doc(security=SECURITY)
    @claims.response(200, s.GroupOut, description="the claim's group, re-evaluated under the ruling")
    @claims.alt_response(404, schema=s.ProblemOut)
    @claims.alt_response(409, schema=s.ProblemOut, description="the claim is retracted")
    def patch(self, ruling: dict[str, str], claim_id: str) -> Any:
        """An editor's ruling: rank a claim preferred, normal or deprecated, with a reason."""
        by = g.get("api_key_name") or "open access"
        return usecases.rule_claim(ctx(), claim_id, ruling["rank"], ruling["reason"], by)


@documents.route("/documents")
class DocumentCollection(MethodView):
    @documents.arguments(s.DocumentIn)
    @documents.doc(security=SECURITY)
    @documents.response(201, s.PostedDocumentOut, description="read, and its claims stored and grouped")
    @documents.alt_response(200, schema=s.PostedDocumentOut, description="the same article was already read")
    @documents.alt_response(422, schema=s.ProblemOut)
    @documents.alt_response(401, schema=s.ProblemOut, description="API keys are set and none was given")
    def post(self, data: DocumentInput) -> tuple[usecases.PostedDocument, int]:
        """Read an article: every figure in its body becomes a claim, stored and grouped."""
        posted = usecases.post_document(ctx(), data)
        return posted, 201 if posted.created else 200


@documents.route("/documents/<document_id>")
class DocumentItem(MethodView):
    @documents.response(200, s.PostedDocumentOut)
    @documents.alt_response(404, schema=s.ProblemOut)
    def get(self, document_id: str) -> Any:
        """An article that was read, with the claims read from it."""
        return usecases.get_document(ctx(), document_id)


@groups.route("/groups")
class GroupCollection(MethodView):
    @groups.arguments(s.GroupQuery, location="query")
    @groups.response(200, s.GroupPageOut)
    def get(self, args: dict[str, Any]) -> Any:
        """List groups; `q` matches labels fuzzily."""
        return usecases.list_groups(ctx(), **args)


@sources.route("/sources")
class SourceCollection(MethodView):
    @sources.arguments(s.SourceQuery, location="query")
    @sources.response(200, s.OutletPageOut)
    def get(self, args: dict[str, Any]) -> Any:
        """List outlets with their claim counts and estimated reliability, most claims first."""
        return usecases.list_sources(ctx(), **args)


@sources.route("/sources/<name>")
class SourceItem(MethodView):
    @sources.response(200, s.OutletDetailOut)
    @sources.alt_response(404, schema=s.ProblemOut)
    def get(self, name: str) -> Any:
        """One outlet: counts, estimated reliability, agreements and conflicts, its latest claims."""
        return usecases.get_source(ctx(), name)


@groups.route("/groups/<group_id>")
class GroupItem(MethodView):
    @groups.arguments(s.AsOfArgs, location="query")
    @groups.response(200, s.GroupOut)
    @groups.alt_response(404, schema=s.ProblemOut)
    def get(self, args: dict[str, Any], group_id: str) -> Any:
        """Read a group: its claims, conflicts and consensus (as it stood on `as_of`, if given)."""
        return usecases.get_group(ctx(), group_id, args["as_of"])


@groups.route("/groups/<group_id>/timeline")
class GroupTimeline(MethodView):
    @groups.response(200, s.TimelineOut)
    @groups.alt_response(404, schema=s.ProblemOut)
    def get(self, group_id: str) -> Any:
        """A group's figures through time: each moment's claims, conflicts and consensus."""
        return usecases.group_timeline(ctx(), group_id)


@topics.route("/topics")
class TopicCollection(MethodView):
    @topics.response(200, s.TopicOut(many=True))
    def get(self) -> Any:
        """List topics with their counts of groups and conflicting groups."""
        return usecases.list_topics(ctx())


@topics.route("/topics/<slug>/conflicts")
class TopicConflicts(MethodView):
    @topics.arguments(s.AsOfArgs, location="query")
    @topics.response(200, s.TopicConflictsOut)
    @topics.alt_response(404, schema=s.ProblemOut)
    def get(self, args: dict[str, Any], slug: str) -> Any:
        """The groups of a topic in conflict, most sources first (as things stood on `as_of`)."""
        return usecases.topic_conflicts(ctx(), slug, args["as_of"])


@health.route("/healthz")
class Health(MethodView):
    @health.response(200, s.HealthOut)
    @health.alt_response(503, schema=s.ProblemOut, description="the database has not answered yet")
    def get(self) -> Any:
        """Alive: 200 once the database has answered since the process started."""
        usecases.check_health(ctx())
        return {"status": "ok"}


@health.route("/readyz")
class Ready(MethodView):
    @health.response(200, s.ReadyOut)
    @health.alt_response(
        503, schema=s.ProblemOut, description="the database does not answer or is not migrated"
    )
    def get(self) -> Any:
        """Ready for traffic: the database answers and its schema is current."""
        readiness = usecases.check_ready(ctx())
        return {"status": "ready", **vars(readiness)}


CSV_SCHEMA = {"type": "string", "description": "UTF-8 with a byte order mark; one row per active claim"}
CSV_HEADERS = {
    "Content-Disposition": {"description": "attachment; filename=...", "schema": {"type": "string"}}
}


def _csv(export: exports.Export) -> Response:
    response = Response(export.text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@exporting.route("/topics/<slug>/export.csv")
class TopicExport(MethodView):
    @exporting.response(200, CSV_SCHEMA, content_type="text/csv", headers=CSV_HEADERS,
                        description="the topic's claims, one row each")  # fmt: skip
    @exporting.alt_response(404, schema=s.ProblemOut)
    def get(self, slug: str) -> Response:
        """Every active claim of a topic's groups as CSV, for a spreadsheet."""
        return _csv(exports.topic_csv(ctx(), slug))


@exporting.route("/groups/<group_id>/export.csv")
class GroupExport(MethodView):
    @exporting.response(200, CSV_SCHEMA, content_type="text/csv", headers=CSV_HEADERS,
                        description="the group's claims, one row each")  # fmt: skip
    @exporting.alt_response(404, schema=s.ProblemOut)
    def get(self, group_id: str) -> Response:
        """A group's active claims as CSV, for a spreadsheet."""
        return _csv(exports.group_csv(ctx(), group_id))


CLAIM_REVIEW_SCHEMA = {
    "type": "object",
    "description": "schema.org ClaimReview JSON-LD",
    "required": ["@context", "@type", "claimReviewed", "itemReviewed", "reviewRating", "author"],
    "properties": {
        "@context": {"type": "string"},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "url": {"type": "string"},
        "claimReviewed": {"type": "string"},
        "itemReviewed": {"type": "object"},
        "reviewRating": {"type": "object"},
        "author": {"type": "object"},
        "datePublished": {"type": "string", "format": "date"},
    },
}


@exporting.route("/groups/<group_id>/claimreview")
class GroupClaimReview(MethodView):
    @exporting.response(
        200, CLAIM_REVIEW_SCHEMA, content_type="application/ld+json",
        description="the group as schema.org ClaimReview, one appearance per source",
    )  # fmt: skip
    @exporting.alt_response(404, schema=s.ProblemOut)
    def get(self, group_id: str) -> Response:
        """A group as schema.org ClaimReview JSON-LD, for fact-checkers' publishing tools."""
        review = exports.claim_review(ctx(), group_id, request.host_url)
        return Response(json.dumps(review, ensure_ascii=False), mimetype="application/ld+json")


@alerts.route("/webhooks")
class WebhookCollection(MethodView):
    @alerts.arguments(s.WebhookIn)
    @alerts.doc(security=SECURITY)
    @alerts.response(201, s.WebhookCreatedOut, description="registered; the secret is shown this once")
    @alerts.alt_response(422, schema=s.ProblemOut, description="a field cannot be read")
    def post(self, data: dict[str, Any]) -> Any:
        """Register a webhook: signed events of one topic (or all) are POSTed to its URL."""
        return webhooks.register(ctx().db, data["url"], data["topic"], data["secret"])

    @alerts.response(200, s.WebhookOut(many=True))
    def get(self) -> Any:
        """List the webhooks (their secrets are never shown again)."""
        return webhooks.list_webhooks(ctx().db)


@alerts.route("/webhooks/<webhook_id>")
class WebhookItem(MethodView):
    @alerts.doc(security=SECURITY)
    @alerts.response(204, description="removed, with its delivery log")
    @alerts.alt_response(404, schema=s.ProblemOut)
    def delete(self, webhook_id: str) -> None:
        """Remove a webhook: nothing more is sent to it."""
        webhooks.remove(ctx().db, webhook_id)


@alerts.route("/webhooks/<webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @alerts.arguments(s.PageArgs, location="query")
    @alerts.response(200, s.DeliveryPageOut)
    @alerts.alt_response(404, schema=s.ProblemOut)
    def get(self, args: dict[str, Any], webhook_id: str) -> Any:
        """The delivery log of a webhook, newest first: status, attempts, last error, next attempt."""
        return webhooks.deliveries(ctx().db, webhook_id, args["page"], args["per_page"])
