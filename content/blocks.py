"""The small, safe set of blocks page bodies are made of: no raw HTML, images only with a text alternative."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# Links go through Draftail, which drops any URL that is not http(s), mailto, tel or a page/document link.
RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Text alternative"),
        max_length=250,
        help_text=_("What the image shows, for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), max_length=250, required=False)

    class Meta:
        label = _("Image")
        icon = "image"
        template = "content/blocks/image.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Link text"), max_length=200, required=False)

    class Meta:
        label = _("Document")
        icon = "doc-full"
        template = "content/blocks/document.html"


class TableBlock(blocks.StructBlock):
    """A plain table: a caption, one header row, rows of text cells."""

    caption = blocks.CharBlock(label=_("Caption"), max_length=200)
    header = blocks.ListBlock(blocks.CharBlock(max_length=100), label=_("Column headings"))
    rows = blocks.ListBlock(blocks.ListBlock(blocks.CharBlock(max_length=500, required=False)), label=_("Rows"))

    class Meta:
        label = _("Table")
        icon = "table"
        template = "content/blocks/table.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"), max_length=1000)
    source = blocks.CharBlock(label=_("Source"), max_length=200, required=False)

    class Meta:
        label = _("Quote")
        icon = "openquote"
        template = "content/blocks/quote.html"


class BodyBlock(blocks.StreamBlock):
    # The paragraph first: it is what editors add most, and the block picker offers blocks in this order.
    paragraph = blocks.RichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES)
    heading = blocks.CharBlock(
        label=_("Heading"), max_length=120, form_classname="title", template="content/blocks/heading.html"
    )
    image = ImageBlock()
    document = DocumentLinkBlock()
    table = TableBlock()
    quote = QuoteBlock()

    class Meta:
        label = _("Body")


class AttachmentsBlock(blocks.StreamBlock):
    document = DocumentLinkBlock()

    class Meta:
        label = _("Attachments")
