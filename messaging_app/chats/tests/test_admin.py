"""The admin lists, searches and opens every model."""
from django.test import TestCase
from django.urls import reverse

from .base import make_conversation, make_message, make_user


class AdminTests(TestCase):
    def setUp(self):
        self.admin = make_user("root", is_staff=True, is_superuser=True, role="admin")
        self.bob = make_user("bob")
        self.conversation = make_conversation(self.admin, self.bob, title="ops")
        self.message = make_message(self.conversation, self.bob, "needle in the haystack")
        self.client.force_login(self.admin)

    def test_changelists_search_and_change_pages_render(self):
        pages = [
            (reverse("admin:chats_user_changelist"), {"q": "bob"}, "bob"),
            (reverse("admin:chats_conversation_changelist"), {"q": "ops"}, "ops"),
            (reverse("admin:chats_message_changelist"), {"q": "needle"}, "needle in the"),
            (reverse("admin:chats_user_change", args=[self.bob.pk]), {}, "bob"),
            (reverse("admin:chats_conversation_change", args=[self.conversation.pk]), {}, "ops"),
            (reverse("admin:chats_message_change", args=[self.message.pk]), {}, "needle"),
        ]
        for url, params, text in pages:
            with self.subTest(url=url):
                response = self.client.get(url, params)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, text)

    def test_non_staff_is_sent_to_login(self):
        self.client.force_login(self.bob)
        response = self.client.get(reverse("admin:chats_message_changelist"))
        self.assertEqual(response.status_code, 302)

    def test_conversation_pages_show_the_owner_read_only(self):
        group = make_conversation(self.bob, self.admin, title="bob's", owner=self.bob)
        changelist = self.client.get(reverse("admin:chats_conversation_changelist"))
        self.assertContains(changelist, '<td class="field-owner nowrap">bob</td>', html=True)
        change = self.client.get(reverse("admin:chats_conversation_change", args=[group.pk]))
        self.assertContains(change, "field-owner")
        self.assertNotContains(change, 'name="owner"')
