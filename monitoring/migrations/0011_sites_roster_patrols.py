"""舆情监测's own models (issue 15): the watch list (002 第三条; 004 二(一)), the patrol schedule (002 第五条、第六条),
patrol slots with their 巡查时限 deadlines, patrol records, and the duty roster with handovers (004 三(一))."""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_patrol_deadlines_without_incident"),
        ("monitoring", "0010_move_out_deadline_engine"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PatrolPolicy",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "working_interval",
                    models.PositiveSmallIntegerField(
                        default=60,
                        help_text="002 第六条：工作日上班时间每间隔1小时巡查一次",
                        verbose_name="工作时间巡查间隔（分钟）",
                    ),
                ),
                (
                    "evening_interval",
                    models.PositiveSmallIntegerField(
                        default=120,
                        help_text="002 第六条：每天晚上（24点前）每间隔2小时巡查一次",
                        verbose_name="晚间巡查间隔（分钟）",
                    ),
                ),
                (
                    "holiday_interval",
                    models.PositiveSmallIntegerField(
                        default=120,
                        help_text="002 第六条：节假日每间隔2小时巡查一次",
                        verbose_name="节假日巡查间隔（分钟）",
                    ),
                ),
                (
                    "overnight_interval",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="留空则不安排（002 第六条只到24点）；004 三(一) 实行24小时值班的可填写",
                        null=True,
                        verbose_name="夜间（0点至上班）巡查间隔（分钟）",
                    ),
                ),
                (
                    "morning_round",
                    models.TimeField(
                        default=datetime.time(9, 0),
                        help_text="002 第五条：每天上午、下午、晚上三个时间节点巡查",
                        verbose_name="上午巡查时间",
                    ),
                ),
                ("afternoon_round", models.TimeField(default=datetime.time(15, 0), verbose_name="下午巡查时间")),
                ("evening_round", models.TimeField(default=datetime.time(20, 0), verbose_name="晚上巡查时间")),
                (
                    "reminder_lead",
                    models.PositiveSmallIntegerField(
                        default=0, help_text="0 表示不提前提醒，逾期时提醒值班人员", verbose_name="到期前提醒（分钟）"
                    ),
                ),
                (
                    "escalate_after",
                    models.PositiveSmallIntegerField(
                        default=60,
                        help_text="逾期仍未巡查，再过多久报告办公室领导（一次）",
                        verbose_name="逾期后报告办公室领导（分钟）",
                    ),
                ),
                (
                    "plan_ahead_hours",
                    models.PositiveSmallIntegerField(default=36, verbose_name="提前生成巡查时段（小时）"),
                ),
            ],
            options={
                "verbose_name": "巡查规则",
                "verbose_name_plural": "巡查规则",
            },
        ),
        migrations.CreateModel(
            name="DutyAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="duty_assignments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="值班人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "值班安排",
                "verbose_name_plural": "值班安排",
            },
        ),
        migrations.CreateModel(
            name="Shift",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(verbose_name="日期")),
                (
                    "kind",
                    models.CharField(
                        choices=[("day", "白班"), ("evening", "晚班"), ("night", "夜班"), ("holiday", "节假日班")],
                        max_length=20,
                        verbose_name="班次",
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="开始")),
                ("ends_at", models.DateTimeField(verbose_name="结束")),
                (
                    "people",
                    models.ManyToManyField(
                        related_name="duty_shifts",
                        through="monitoring.DutyAssignment",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="值班人员",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                        verbose_name="值班单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "值班班次",
                "verbose_name_plural": "值班表",
                "ordering": ["starts_at", "unit_id"],
            },
        ),
        migrations.CreateModel(
            name="Handover",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("note", models.TextField(verbose_name="交接事项")),
                ("written_at", models.DateTimeField(verbose_name="交班时间")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="交班人",
                    ),
                ),
                (
                    "shift",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="handovers",
                        to="monitoring.shift",
                        verbose_name="交班班次",
                    ),
                ),
            ],
            options={
                "verbose_name": "交接班记录",
                "verbose_name_plural": "交接班记录",
                "ordering": ["-written_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="dutyassignment",
            name="shift",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="monitoring.shift",
                verbose_name="班次",
            ),
        ),
        migrations.CreateModel(
            name="Site",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                ("url", models.URLField(blank=True, max_length=500, verbose_name="网址")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("forum", "论坛/贴吧"),
                            ("portal", "门户网站"),
                            ("weibo", "微博"),
                            ("wechat", "微信公众号"),
                            ("message_board", "留言板/信箱"),
                            ("app", "手机客户端"),
                        ],
                        max_length=20,
                        verbose_name="类型",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="排序")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                (
                    "unit",
                    models.ForeignKey(
                        help_text="负责巡查该网站的单位（004 二(一)：监控中心监测网上舆情，督查局监测领导留言板和书记县长信箱，网警大队监测网上安全）",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="watched_sites",
                        to="org.unit",
                        verbose_name="监测单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "监测网站",
                "verbose_name_plural": "监测网站",
                "ordering": ["unit__path", "sort_order", "id"],
            },
        ),
        migrations.CreateModel(
            name="PatrolRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("patrolled_at", models.DateTimeField(verbose_name="巡查时间")),
                ("found", models.BooleanField(default=False, verbose_name="发现舆情")),
                ("findings", models.TextField(blank=True, verbose_name="发现情况")),
                ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
                (
                    "officer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="patrol_records",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="巡查人",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                        verbose_name="监测单位",
                    ),
                ),
                (
                    "sites",
                    models.ManyToManyField(
                        related_name="patrol_records", to="monitoring.site", verbose_name="巡查网站"
                    ),
                ),
            ],
            options={
                "verbose_name": "巡查记录",
                "verbose_name_plural": "巡查记录",
                "ordering": ["-patrolled_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="PatrolSlot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.DateTimeField(verbose_name="开始")),
                ("due_at", models.DateTimeField(verbose_name="截止")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("office", "工作时间"),
                            ("evening", "晚间"),
                            ("holiday", "节假日"),
                            ("overnight", "夜间"),
                            ("round", "三个时间节点"),
                        ],
                        max_length=20,
                        verbose_name="类型",
                    ),
                ),
                (
                    "deadline",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="patrol_slot",
                        to="deadlines.deadline",
                        verbose_name="时限",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="slots",
                        to="monitoring.patrolrecord",
                        verbose_name="巡查记录",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.unit",
                        verbose_name="监测单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "巡查时段",
                "verbose_name_plural": "巡查时段",
                "ordering": ["starts_at", "unit_id"],
                "indexes": [models.Index(fields=["starts_at"], name="patrolslot_starts_at")],
                "constraints": [
                    models.UniqueConstraint(fields=("unit", "starts_at"), name="one_patrol_slot_per_unit_start")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="shift",
            index=models.Index(fields=["starts_at", "ends_at"], name="shift_span"),
        ),
        migrations.AddConstraint(
            model_name="shift",
            constraint=models.UniqueConstraint(fields=("unit", "date", "kind"), name="one_shift_per_unit_day_kind"),
        ),
        migrations.AddConstraint(
            model_name="shift",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="shift_ends_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="dutyassignment",
            constraint=models.UniqueConstraint(fields=("shift", "user"), name="one_assignment_per_shift_user"),
        ),
        migrations.AddIndex(
            model_name="site",
            index=models.Index(fields=["unit", "is_active"], name="site_unit_active"),
        ),
        migrations.AddIndex(
            model_name="patrolrecord",
            index=models.Index(fields=["unit", "patrolled_at"], name="patrolrecord_unit_at"),
        ),
        migrations.AddIndex(
            model_name="patrolrecord",
            index=models.Index(fields=["officer", "patrolled_at"], name="patrolrecord_officer_at"),
        ),
    ]
