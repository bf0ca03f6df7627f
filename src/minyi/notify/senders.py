"""How a message leaves: SMTP for email, an HTTP gateway for SMS, a WeCom group robot, and signed
webhooks. Each sender raises on failure (DeliveryError says whether retrying can help) and
returns normally only once the receiver accepted the message."""

from __future__ import annotations

import base64
import json
import smtplib
import ssl
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from minyi.core.settings import Settings
from minyi.notify.hooks import webhook_secret
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import NO_SENDER, Channel, signature

if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 5.0
MESSAGE_ID_HEADER = "X-Minyi-Message-Id"
SIGNATURE_HEADER = "X-Minyi-Signature"
# Client errors that a later attempt may still get through.
_TRANSIENT_4XX = frozenset({408, 425, 429})


class DeliveryError(Exception):
    """The receiver did not take the message. `permanent`: it refused it for good (retrying the
    same request cannot help), so the outbox gives up at once instead of after every back-off."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class NotConfigured(DeliveryError):
    """No sender for the channel (or no robot URL): the message waits, it is not an attempt."""

    def __init__(self, message: str = NO_SENDER) -> None:
        super().__init__(message)


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def message_id(message: OutboxMessage) -> str:
    """Stable across re-sends of one row: receivers drop the duplicates at-least-once makes."""
    return f"minyi-outbox-{message.id}"


def add_rich_parts(email: EmailMessage, payload: Mapping[str, Any]) -> None:
    """An HTML alternative (payload "html") and attachments (payload "attachments": a list of
    {"filename", "content_type", "base64"}), for messages such as the daily report."""
    html = payload.get("html")
    if isinstance(html, str) and html:
        email.add_alternative(html, subtype="html", charset="utf-8")
    for item in payload.get("attachments") or []:
        maintype, _, subtype = str(item.get("content_type") or "").partition("/")
        email.add_attachment(
            base64.b64decode(item["base64"]),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=str(item.get("filename") or "attachment"),
        )


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        user: str | None,
        password: str | None,
        starttls: bool,
        from_addr: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.from_addr, self.timeout = starttls, from_addr, timeout

    def build(self, message: OutboxMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.from_addr
        email["To"] = message.recipient
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.from_addr.rpartition("@")[2] or "localhost"
        email["Message-ID"] = f"<{message_id(message)}@{domain}>"
        email.set_content(message.body, charset="utf-8")
        add_rich_parts(email, message.payload or {})
        return email

    def send(self, message: OutboxMessage) -> None:
        email = self.build(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                f"SMTP refused the recipient: {error.recipients}", permanent=min(codes) >= 500
            ) from error
        except smtplib.SMTPResponseException as error:
            text = (
                error.smtp_error.decode("utf-8", "replace")
                if isinstance(error.smtp_error, bytes)
                else str(error.smtp_error)
            )
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {text}", permanent=error.smtp_code >= 500
            ) from error


def _json_body(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@cache
def _tls() -> ssl.SSLContext:
    """The verifying TLS context every HTTP sender shares: building one parses the whole CA bundle
    (a quarter of a second of CPU), which every app, CLI command and worker start used to pay
    anew. Built on first use, as httpx builds its default (certifi, SSL_CERT_FILE/DIR honoured)."""
    import httpx

    return httpx.create_ssl_context()


def _http_client() -> httpx.Client:
    # Imported here: httpx imports its command-line client (rich, pygments, click) with itself,
    # a fifth of a CPU second that every web, worker and CLI process paid at start, though most
    # never send anything over HTTP.
    import httpx

    return httpx.Client(timeout=TIMEOUT_SECONDS, verify=_tls())


class _SharedClient:
    """The HTTP senders' one client, made on the first send (see _http_client)."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self._client = client
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = _http_client()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()


class _HttpSender:
    def __init__(self, client: httpx.Client | _SharedClient | None = None) -> None:
        self._client = client if isinstance(client, _SharedClient) else _SharedClient(client)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        response = self._client.get().post(
            url,
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8", **headers},
        )
        if not response.is_success:
            code = response.status_code
            permanent = 400 <= code < 500 and code not in _TRANSIENT_4XX
            raise DeliveryError(f"HTTP {code}: {response.text[:200]}", permanent=permanent)
        return response

    def close(self) -> None:
        self._client.close()


class SmsGatewaySender(_HttpSender):
    """An SMS provider's HTTP gateway: POST {"phone", "text"} with a bearer token; 2xx: taken."""

    def __init__(
        self, url: str, token: str | None, *, client: httpx.Client | _SharedClient | None = None
    ) -> None:
        super().__init__(client)
        self.url, self.token = url, token

    def send(self, message: OutboxMessage) -> None:
        headers = {MESSAGE_ID_HEADER: message_id(message)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self._post(
            self.url, _json_body({"phone": message.recipient, "text": message.body}), headers
        )


class WebhookSender(_HttpSender):
    """POST the message's payload (or {"subject", "text"} when it has none) to the recipient URL,
    signed with HMAC-SHA256 of the body under the subscriber's secret when one is registered
    for the message (see hooks.on_webhook_secret), else under the platform's secret key."""

    def __init__(
        self, secret_key: str, *, client: httpx.Client | _SharedClient | None = None
    ) -> None:
        super().__init__(client)
        self.secret_key = secret_key

    def send(self, message: OutboxMessage) -> None:
        document = message.payload or {"subject": message.subject, "text": message.body}
        body = _json_body(document)
        headers = {
            MESSAGE_ID_HEADER: message_id(message),
            SIGNATURE_HEADER: signature(webhook_secret(message) or self.secret_key, body),
        }
        self._post(message.recipient, body, headers)


class WeComRobotSender(_HttpSender):
    """A WeCom group robot: a text message to the recipient URL, else the configured robot.
    The robot answers 200 with {"errcode": 0} when it took the message, another errcode if not."""

    def __init__(
        self, default_url: str | None, *, client: httpx.Client | _SharedClient | None = None
    ) -> None:
        super().__init__(client)
        self.default_url = default_url

    def send(self, message: OutboxMessage) -> None:
        url = message.recipient or self.default_url
        if not url:
            raise NotConfigured("no WeCom robot URL configured")
        content = f"{message.subject}\n{message.body}" if message.subject else message.body
        body = _json_body({"msgtype": "text", "text": {"content": content}})
        response = self._post(url, body, {MESSAGE_ID_HEADER: message_id(message)})
        try:
            answer = response.json()
        except ValueError:
            return
        if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
            raise DeliveryError(f"WeCom errcode {answer.get('errcode')}: {answer.get('errmsg')}")


class Senders:
    """The sender of each channel; a channel left out has nobody to send it (NotConfigured)."""

    def __init__(self, by_channel: Mapping[str, Sender]) -> None:
        self._by_channel = dict(by_channel)

    @classmethod
    def from_settings(cls, settings: Settings) -> Senders:
        client = _SharedClient()
        by_channel: dict[str, Sender] = {
            Channel.EMAIL: SmtpSender(
                settings.notify.smtp_host,
                settings.notify.smtp_port,
                settings.notify.smtp_user,
                settings.notify.smtp_password,
                settings.notify.smtp_starttls,
                settings.notify.smtp_from,
            ),
            Channel.WEBHOOK: WebhookSender(settings.secret_key, client=client),
            Channel.WECOM: WeComRobotSender(settings.notify.wecom_webhook_url, client=client),
        }
        if settings.notify.sms_gateway_url:
            by_channel[Channel.SMS] = SmsGatewaySender(
                settings.notify.sms_gateway_url, settings.notify.sms_gateway_token, client=client
            )
        return cls(by_channel)

    def has(self, channel: str) -> bool:
        return channel in self._by_channel

    def get(self, channel: str) -> Sender:
        sender = self._by_channel.get(channel)
        if sender is None:
            raise NotConfigured()
        return sender

    def close(self) -> None:
        closed: set[int] = set()
        for sender in self._by_channel.values():
            if isinstance(sender, _HttpSender) and id(sender._client) not in closed:
                closed.add(id(sender._client))
                sender.close()
