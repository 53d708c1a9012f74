"""Behind a TLS-terminating proxy (the settings the production variables make)."""
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import User

from .base import PASSWORD, ChatTestCase, make_message

PROXY = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
         "ALLOWED_HOSTS": ["chat.example.com"],
         "CSRF_TRUSTED_ORIGINS": ["https://chat.example.com"]}
VIA_PROXY = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "chat.example.com"}


@override_settings(**PROXY)
class TlsProxyTests(ChatTestCase):
    def test_pagination_links_are_https(self):
        make_message(self.conversation, self.bob, "second")
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(self.alice).get(url, {"page_size": 1}, **VIA_PROXY)
        self.assertTrue(response.json()["next"].startswith("https://chat.example.com/"),
                        response.json()["next"])

    def test_admin_login_passes_the_origin_check(self):
        User.objects.create_superuser(username="root", email="root@example.com",
                                      password=PASSWORD, first_name="R", last_name="T")
        client = APIClient(enforce_csrf_checks=True)
        client.get("/admin/login/", **VIA_PROXY)
        token = client.cookies["csrftoken"].value
        response = client.post("/admin/login/?next=/admin/",
                               {"username": "root", "password": PASSWORD,
                                "csrfmiddlewaretoken": token},
                               format="multipart", HTTP_ORIGIN="https://chat.example.com",
                               HTTP_REFERER="https://chat.example.com/admin/login/",
                               **VIA_PROXY)
        self.assertEqual(response.status_code, 302, response.content[:300])
        self.assertEqual(response["Location"], "/admin/")
