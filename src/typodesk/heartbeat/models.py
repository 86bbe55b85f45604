from django.db import models


class WorkerBeat(models.Model):
    """Each running worker says it is alive; the desk warns when none is, since then nothing is sent."""

    worker_id = models.CharField(max_length=100, unique=True)
    started = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        db_table = "notify_workerbeat"  # made by the notify app, where the model used to be

    def __str__(self) -> str:
        return self.worker_id
