"""Settings for the real qclusters of the scale lane: the delivery tests' (a slow SMS channel) with a timeout that
outlasts a sweep held on a lock; the broker is Redis, from JUNXIU_REDIS_URL."""

from tests.notifications.cluster_settings import *  # noqa: F403

JUNXIU_CHANNELS = {"slow": "tests.notifications.test_delivery.SlowChannel"}
Q_CLUSTER = {**Q_CLUSTER, "workers": 2, "timeout": 120, "retry": 180}  # noqa: F405
