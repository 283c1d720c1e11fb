"""E-mail messages as Zattar sends them.

Python 3.12.1's email package folds a long non-ASCII header (a Russian or Kazakh subject of
more than about 30 letters) into several encoded words and leaves the space between two words
outside them, where mail programs drop it: "написал(а) вам по" arrived as "вампо". Headers are
therefore not folded below RFC 5322's limit of 998 characters: a subject is one encoded word.
(RFC 2047 asks for encoded words of at most 75 characters; mail programs in use read longer
ones, and a whole word lost is worse.)"""

import email.policy

from django.core.mail import EmailMultiAlternatives


class Mail(EmailMultiAlternatives):
    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))
