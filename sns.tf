# The alarm topic. Encrypted with a customer-managed key rather than alias/aws/sns: CloudWatch alarms cannot publish
# to a topic under the AWS-managed SNS key, because that key's policy cannot be edited to let cloudwatch.amazonaws.com
# use it. Publishing would fail silently, which is the worst property an alarm topic can have.

data "aws_iam_policy_document" "alarm_topic_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the account-root kms:* statement is AWS's default key policy, without which the key becomes unmanageable.
  #checkov:skip=CKV_AWS_111:Same key policy: "*" is this key, and service principals are constrained by aws:SourceAccount/aws:SourceArn conditions.
  #checkov:skip=CKV_AWS_356:Same key policy: in a KMS key policy "*" cannot name anything but the key itself.
  # Key policies need an administrator statement or the key becomes unmanageable; "*" here means "this key".
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # SNS decrypts the message to deliver it to the email subscribers.
  statement {
    sid       = "SnsDelivers"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "alarm_topic" {
  description             = "Encrypts the ${local.name} alarm topic; usable by CloudWatch alarms and SNS of this account."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.alarm_topic_key.json
}

resource "aws_kms_alias" "alarm_topic" {
  name          = "alias/${local.name}-alarms"
  target_key_id = aws_kms_key.alarm_topic.key_id
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  display_name      = "Payment webhooks ${var.environment} alarms"
  kms_master_key_id = aws_kms_key.alarm_topic.arn
}

data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid = "AccountManagesTopic"
    actions = [
      "sns:GetTopicAttributes",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:ListSubscriptionsByTopic",
      "sns:Publish",
    ]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

resource "aws_sns_topic_subscription" "alarm_email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
