"""The 后期处置 settings refuse an unknown channel (inbox, email, sms) instead of ignoring it silently."""

from django.db import migrations, models

import followup.models


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0003_aftercare_and_upward_numbers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="aftercaresettings",
            name="channels",
            field=models.CharField(
                default="inbox",
                help_text="关注期内新链接、舆情反复的提示及总结评估督办的渠道：inbox,email,sms 的组合（站内信总会发送）。",
                max_length=50,
                validators=[followup.models._valid_channels],
                verbose_name="提示渠道",
            ),
        ),
    ]
