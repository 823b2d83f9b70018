"""``setup_demo``: the demo user and the demo study, created once (safe to run again)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from segprofile import pipeline
from segprofile.errors import SegprofileError
from segprofile.web.studies import services
from segprofile.web.studies.models import Study

logger = logging.getLogger(__name__)

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"  # noqa: S105 — the documented password of the local demo account
DEMO_EXAMPLE = "child-benefit"


class Command(BaseCommand):
    help = (
        "Create the demo user (demo/demo) and the demo study from the child-benefit example "
        "with generated data imported through the gate, unless they exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=settings.SEGPROFILE_DEMO_ROWS)
        parser.add_argument("--seed", type=int, default=settings.SEGPROFILE_DEMO_SEED)
        parser.add_argument("--example", default=DEMO_EXAMPLE)

    def handle(self, *args: Any, rows: int, seed: int, example: str, **options: Any) -> None:
        try:
            self._setup(rows=rows, seed=seed, example=example)
        except SegprofileError as exc:
            raise CommandError(str(exc)) from exc

    def _setup(self, *, rows: int, seed: int, example: str) -> None:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.first_name = "Демо"
            user.save()
            self.stdout.write(f"Создан пользователь «{DEMO_USERNAME}» (пароль «{DEMO_PASSWORD}»).")
        else:
            self.stdout.write(f"Пользователь «{DEMO_USERNAME}» уже есть.")

        slug = pipeline.example_study(example).id
        study = Study.objects.filter(owner=user, slug=slug).first()
        if study is None:
            study = services.create_study_from_example(
                user, example, rows=rows, seed=seed, build=True
            )
            self.stdout.write(
                f"Создано демонстрационное исследование «{study.title}» (№ {study.pk})."
            )
            return
        document = study.current_revision().to_document()
        records = document.client_records()
        if records is not None and not pipeline.list_dataset_versions(
            services.workspace_for(study), document.id, records.id
        ):
            services.import_demo_data(study, example, rows=rows, seed=seed, author=user.username)
            self.stdout.write(f"Восстановлены данные демонстрационного исследования № {study.pk}.")
        else:
            self.stdout.write(
                f"Демонстрационное исследование «{study.title}» (№ {study.pk}) уже есть."
            )
        if not study.runs.exists():  # the demo opens with its profile built
            services.start_profile_run(study, user)
            self.stdout.write("Профиль демонстрационного исследования поставлен в очередь.")
