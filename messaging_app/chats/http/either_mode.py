"""A middleware that runs in the chain's mode: sync under WSGI, async under ASGI.

Django hands a request from the event loop to a thread (and back) around
every sync-only middleware in an ASGI chain; one that can run either way
costs no handoff.  A subclass writes its work twice, ``call`` (sync) and
``acall`` (async); this base picks one per chain, once, at start-up.
"""
from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class EitherModeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.acall(request)
        return self.call(request)

    def call(self, request):
        raise NotImplementedError

    async def acall(self, request):
        raise NotImplementedError
