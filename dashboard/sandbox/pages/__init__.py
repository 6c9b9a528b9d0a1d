"""The sandbox's HTML pages: Debitura's hosted customer pages (`hosted`, under /ui) and the sandbox's
own control panel (`control`, under /control). The cross-origin POST guard both use is `origin`."""
