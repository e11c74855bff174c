"""Settings for the real qcluster the delivery tests start: the test settings, a slow SMS channel, short retry."""

import os

from junxiu.settings.test import *  # noqa: F403

JUNXIU_SMS_BACKEND = "notifications.channels.FileSmsBackend"
JUNXIU_SMS_FILE = os.environ["JUNXIU_SMS_FILE"]
JUNXIU_CHANNELS = {"slow": "tests.notifications.test_delivery.SlowChannel"}
# The broker hands a task whose worker vanished to another worker after `retry` seconds.
Q_CLUSTER = {**Q_CLUSTER, "workers": 2, "timeout": 10, "retry": 12}  # noqa: F405
