"""``%config GradMagics.language = 'zh'``: the magic's setting for `messages.set_language`.

A traitlets mixin, so that the magic's own module keeps to parsing, running and displaying.
"""

from traitlets import TraitError, Unicode, default, observe, validate
from traitlets.config import Configurable

from . import messages


class LanguageSetting(Configurable):
    """The ``language`` trait: ``'en'`` or ``'zh'``; setting it sets the whole kernel's language."""

    language = Unicode(
        help="The language of the table, the graph's legend, the notes and the errors: 'en' or "
             "'zh' (default: the environment variable ADMAGIC_LANG, else 'en'). It is "
             "admagic.set_language, for the whole kernel.",
    ).tag(config=True)

    @default("language")
    def _language_now(self):
        return messages.language()

    @validate("language")
    def _a_language_admagic_speaks(self, proposal):
        try:
            return messages.normalised(proposal["value"])
        except ValueError as problem:
            raise TraitError(f"GradMagics.language: {problem}") from None

    @observe("language")
    def _speak(self, change):
        messages.set_language(change["new"])
