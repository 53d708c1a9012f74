"""WhiteNoise's static files middleware, usable in the async middleware chain.

``whitenoise.middleware.WhiteNoiseMiddleware`` is sync only.  Under ASGI one
sync-only middleware in the chain makes Django hand every request from the
event loop to a thread for it, back to the loop for the async middleware
below, and to the thread again for the (sync) view: two extra thread
handoffs per API request, static or not.  This subclass answers the same
files the same way; it only lets the chain stay async around it.
"""
from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """Serve ``STATIC_ROOT`` (and, in development, the finders' files); pass
    everything else on, in the chain's mode (sync under WSGI, async under ASGI)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, *args, **kwargs):
        super().__init__(get_response, *args, **kwargs)
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.acall(request)
        return super().__call__(request)

    def static_file(self, request):
        """The file answering request's path, or None."""
        if self.autorefresh:
            return self.find_file(request.path_info)
        return self.files.get(request.path_info)

    async def acall(self, request):
        static_file = await sync_to_async(self.static_file)(request) if self.autorefresh \
            else self.static_file(request)
        if static_file is not None:
            # Opening the file is blocking I/O: done in a thread.
            return await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
        return await self.get_response(request)
