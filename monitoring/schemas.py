"""Request and response schemas of the timeline and matrix, monitoring reports, notices and the audit log."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate
from smartregion.api import EnumField

from monitoring.models import NoticeKind
from tenants.schemas import SLUG

MONTHS = validate.Range(min=1, max=240)


class TimelineQuerySchema(ma.Schema):
    today = ma.fields.Date(metadata={"description": "The day to compute for (default: today)"})


class MilestoneTenantStateSchema(ma.Schema):
    tenant_id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    due_on = ma.fields.Date()
    state = ma.fields.String(metadata={"enum": ["pending", "on-time", "late", "done", "waived"]})
    done_on = ma.fields.Date(allow_none=True)
    days_late = ma.fields.Integer()
    waiver_reason = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()


class MilestoneRegionalStateSchema(ma.Schema):
    state = ma.fields.String()
    done_on = ma.fields.Date(allow_none=True)
    days_late = ma.fields.Integer()
    report_id = ma.fields.Integer(allow_none=True)


class ProtocolMilestoneSchema(ma.Schema):
    key = ma.fields.String()
    kind = ma.fields.String()
    label_it = ma.fields.String()
    label_en = ma.fields.String()
    due_on = ma.fields.Date()
    provisional = ma.fields.Boolean(metadata={"description": "True while the date depends on an open census"})
    period_start = ma.fields.Date(allow_none=True)
    past = ma.fields.Boolean()
    regional = ma.fields.Nested(MilestoneRegionalStateSchema, allow_none=True)
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    tenants = ma.fields.List(ma.fields.Nested(MilestoneTenantStateSchema))


class TimelinePositionSchema(ma.Schema):
    elapsed_days = ma.fields.Integer()
    total_days = ma.fields.Integer()
    percent = ma.fields.Float()
    next_milestone = ma.fields.String(allow_none=True)


class TimelineSchema(ma.Schema):
    protocol_id = ma.fields.Integer()
    title = ma.fields.String()
    signed_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    today = ma.fields.Date()
    as_of = ma.fields.Date(metadata={"description": "The day states are computed for: today, or the end"})
    status = ma.fields.String(metadata={"enum": ["not-started", "running", "ended"]})
    frozen = ma.fields.Boolean()
    position = ma.fields.Nested(TimelinePositionSchema)
    milestones = ma.fields.List(ma.fields.Nested(ProtocolMilestoneSchema))


class MatrixCellSchema(ma.Schema):
    state = ma.fields.String()
    due_on = ma.fields.Date()
    days_late = ma.fields.Integer()
    done_on = ma.fields.Date(allow_none=True)
    waiver_reason = ma.fields.String(allow_none=True)


class MatrixRowSchema(ma.Schema):
    tenant_id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    cells = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(MatrixCellSchema, allow_none=True))
    late_on = ma.fields.List(ma.fields.String())


class MatrixSchema(ma.Schema):
    protocol_id = ma.fields.Integer()
    today = ma.fields.Date()
    as_of = ma.fields.Date()
    status = ma.fields.String()
    milestones = ma.fields.List(ma.fields.Dict())
    tenants = ma.fields.List(ma.fields.Nested(MatrixRowSchema))


class MonitoringReportSchema(ma.Schema):
    id = ma.fields.Integer()
    protocol_id = ma.fields.Integer()
    milestone_key = ma.fields.String()
    tenant_id = ma.fields.Integer(allow_none=True)
    period_start = ma.fields.Date()
    period_end = ma.fields.Date()
    issued_on = ma.fields.Date()
    sha256 = ma.fields.String()
    created_at = ma.fields.DateTime()


class MonitoringReportDetailSchema(MonitoringReportSchema):
    content = ma.fields.Dict()
    verified = ma.fields.Boolean(metadata={"description": "The content still matches its SHA-256"})


class MonitoringReportQuerySchema(ma.Schema):
    tenant = ma.fields.String(validate=validate.Regexp(SLUG))
    regional = ma.fields.Boolean(load_default=False)


class ReportJobSchema(ma.Schema):
    job_id = ma.fields.String()


class IssueReportsSchema(ma.Schema):
    today = ma.fields.Date(metadata={"description": "Issue what is due by this day (default: today)"})


class DeadlineNoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    protocol_id = ma.fields.Integer()
    tenant_id = ma.fields.Integer(allow_none=True, metadata={"description": "None: for the secretariat"})
    milestone_key = ma.fields.String()
    kind = EnumField(NoticeKind)
    due_on = ma.fields.Date()
    noticed_on = ma.fields.Date()
    subject = ma.fields.String()
    body = ma.fields.String()
    emailed_at = ma.fields.DateTime(allow_none=True)
    read_at = ma.fields.DateTime(allow_none=True)


class DeadlineNoticeQuerySchema(ma.Schema):
    tenant = ma.fields.String(validate=validate.Regexp(SLUG))
    protocol_id = ma.fields.Integer()
    unread = ma.fields.Boolean(load_default=False)


class NoticeRecipientSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.Email(required=True)
    tenant = ma.fields.String(load_only=True, validate=validate.Regexp(SLUG),
                              metadata={"description": "Tenant slug; absent for the secretariat"})
    tenant_id = ma.fields.Integer(dump_only=True, allow_none=True)


class AuditQuerySchema(ma.Schema):
    tenant = ma.fields.String(validate=validate.Regexp(SLUG))
    actor = ma.fields.String(validate=validate.Length(max=200))
    entity_type = ma.fields.String(validate=validate.Length(max=80))
    entity_id = ma.fields.String(validate=validate.Length(max=120))
    action = ma.fields.String(validate=validate.Length(max=120), metadata={"description": "Prefix of the action"})
    since = ma.fields.Date()
    until = ma.fields.Date()


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.String()
    tenant_id = ma.fields.Integer(attribute="tenant", allow_none=True,
                                  metadata={"description": "None for the region's own events"})
    action = ma.fields.String()
    entity_type = ma.fields.String()
    entity_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    prev_hash = ma.fields.String()
    hash = ma.fields.String()
