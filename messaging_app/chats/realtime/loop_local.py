"""One object per running event loop, made on first use.

A server process runs one event loop; tests run several, one after another.
The publisher (``events``), the socket registry (``sockets``) and the
presence batcher (``presence_batch``) each live on the loop they serve, and
go with it (the loops are held weakly).
"""
import asyncio
import weakref


class PerLoop:
    """``PerLoop(factory)()``: the running loop's ``factory()``, made once per loop."""

    def __init__(self, factory):
        self.factory = factory
        self.instances = weakref.WeakKeyDictionary()

    def __call__(self):
        loop = asyncio.get_running_loop()
        if loop not in self.instances:
            self.instances[loop] = self.factory()
        return self.instances[loop]
