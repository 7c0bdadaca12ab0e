"""The module's jobs on a real worker."""

from datetime import timedelta

from smartregion import jobs, tenancy
from sqlalchemy import select

from interoperability.models import Feed
from tests.interoperability.test_api import register_feed


def test_silent_feeds_job_reports_a_feed_that_never_sent_anything(demo, as_user, db, rq_worker, wait_for_job):
    feed_id = register_feed(as_user("firenze-utility")).json["id"]
    with tenancy.regional_scope():
        feed = db.scalar(select(Feed).where(Feed.id == feed_id))
        feed.created_at = feed.created_at - timedelta(days=2)
        job = jobs.enqueue(db, "periodic", "interoperability.jobs.report_silent_feeds", description="test")
        db.commit()
    done = wait_for_job(job.id)
    assert done["state"] == "finished", done["error"]
    assert done["result"]["silent_feed_ids"] == [feed_id]


def test_periodic_jobs_are_declared(app):
    assert {"interoperability.jobs.check_inventories", "interoperability.jobs.report_silent_feeds"} <= set(
        jobs.PERIODIC
    )
