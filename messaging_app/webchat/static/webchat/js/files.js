// Files in the open conversation: sending them (the clip button, dropping
// them on the conversation, pasting them in the message box), each upload
// with its progress and a Cancel button, a refusal or a dropped connection
// reported with Retry; and drawing the files of the messages shown: images
// at their thumbnail's size (known before the bytes arrive), other files as
// name, type and size.  Bytes come from the API with the user's token and
// are shown through blob: addresses; a click downloads the original.

import { paths } from "./api.js";
import { byId, h } from "./dom.js";
import { ApiError, NetworkError, describeError } from "./errors.js";
import { SeqBatches } from "./seq-batches.js";


function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export class Files {
  /** current: the open conversation's state; list: the MessageList. */
  constructor({ api, session, current, list }) {
    Object.assign(this, { api, session, current, list });
    this.uploads = byId("uploads");
    const input = byId("attach-input");
    byId("attach").addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      this.sendAll(input.files);
      input.value = "";
    });
    const body = byId("conversation-body");
    body.addEventListener("dragover", (event) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    });
    body.addEventListener("drop", (event) => {
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.sendAll(event.dataTransfer.files);
    });
    byId("composer-input").addEventListener("paste", (event) => {
      if (!event.clipboardData?.files.length) return;
      event.preventDefault();
      this.sendAll(event.clipboardData.files);
    });
    this.reset();
  }

  reset() {
    this.byId = new Map();   // message_id -> attachments
    this.batches ??= new SeqBatches(
      this.current, async (id, from, to) =>
        (await this.api.get(paths.conversationAttachments(id, from, to))).attachments,
      (found) => this.found(found));
    this.batches.reset();
    for (const url of this.urls?.values() || []) URL.revokeObjectURL(url);
    this.urls = new Map();   // API path -> blob: URL (revoked on reset)
    this.uploads.replaceChildren();
  }

  sendAll(files) {
    if (!this.current.id || this.current.gone) return;
    for (const file of files) this.send(this.current.id, file);
  }

  /** Upload one file as a new message, with progress, Cancel and Retry. */
  send(conversationId, file) {
    const progress = h("progress", { max: "100", value: "0", "aria-label": `Uploading ${file.name}` });
    const status = h("span", { class: "upload-status", text: "" });
    const cancel = h("button", { type: "button", class: "link", text: "Cancel" });
    const row = h("div", { class: "upload" }, h("span", { class: "upload-name", text: file.name }),
      progress, status, cancel);
    this.uploads.append(row);
    const xhr = new XMLHttpRequest();
    const fail = (text) => {
      progress.remove();
      status.textContent = text;
      cancel.replaceWith(h("button", {
        type: "button", class: "link", text: "Retry",
        onclick: () => { row.remove(); this.send(conversationId, file); },
      }), h("button", { type: "button", class: "link", text: "Dismiss", onclick: () => row.remove() }));
    };
    cancel.addEventListener("click", () => { xhr.abort(); row.remove(); });
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        row.remove();
        return;
      }
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      fail(describeError(new ApiError(xhr.status, data)));
    });
    xhr.addEventListener("error", () => fail(describeError(new NetworkError(new Error("upload")))));
    this.session.accessToken().then((token) => {
      const form = new FormData();
      form.append("file", file);
      xhr.open("POST", paths.attachments(conversationId));
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.send(form);
    }, (error) => fail(describeError(error)));
  }

  /** A stored message's node was drawn: its files, once known. */
  decorate(node) {
    if (node.dataset.state !== "stored" || node.classList.contains("deleted")) return;
    const found = this.byId.get(node.dataset.id);
    if (found) this.draw(node, found);
    this.batches.want(Number(node.dataset.seq));
  }

  /** Attachments by seq, as the API gives them for a range. */
  found(found) {
    for (const message of this.list.values()) {
      const files = found[String(message.seq)];
      if (!files) continue;
      this.byId.set(message.message_id, files);
      const node = this.list.node(message.message_id);
      if (node) this.draw(node, files);
    }
  }

  draw(node, files) {
    node.querySelector(".files")?.remove();
    const box = h("div", { class: "files" }, files.map((file) => this.file(file)));
    node.querySelector(".body").after(box);
  }

  file(file) {
    const open = () => this.download(file);
    if (file.thumbnail) {
      const img = h("img", {
        class: "thumbnail", alt: file.file_name, width: String(file.thumbnail.width),
        height: String(file.thumbnail.height), dataset: { attachment: file.attachment_id },
      });
      this.show(img, file.thumbnail.url);
      return h("button", { type: "button", class: "file image", title: `Download ${file.file_name}`, onclick: open }, img);
    }
    return h("button", { type: "button", class: "file", onclick: open },
      h("span", { class: "file-name", text: file.file_name }),
      h("span", { class: "muted", text: ` ${file.content_type}, ${sizeText(file.size)}` }));
  }

  async show(img, path) {
    try {
      if (!this.urls.has(path)) this.urls.set(path, URL.createObjectURL(await this.api.blob(path)));
      img.src = this.urls.get(path);
    } catch (error) {
      img.alt = `${img.alt} (${describeError(error)})`;
    }
  }

  async download(file) {
    try {
      const url = URL.createObjectURL(await this.api.blob(file.url));
      const link = h("a", { href: url, download: file.file_name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      this.uploads.append(h("div", { class: "upload" }, `${file.file_name}: ${describeError(error)} `,
        h("button", { type: "button", class: "link", text: "Dismiss",
          onclick: (event) => event.currentTarget.parentElement.remove() })));
    }
  }
}
