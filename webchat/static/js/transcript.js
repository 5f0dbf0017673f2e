// The conversation on screen. Text only ever enters the page as text nodes.

import { textSegments } from "./text.js";

/** Renders bubbles, buttons and the typing indicator into the page. */
export class Transcript {
  /**
   * @param {HTMLOListElement} list The `role="log"` list of messages.
   * @param {HTMLElement} typing The typing indicator.
   * @param {HTMLElement} scroller The element that scrolls.
   * @param {(choice: {title: string, payload: string}) => void} onChoice Button clicks.
   */
  constructor(list, typing, scroller, onChoice) {
    this.list = list;
    this.typing = typing;
    this.scroller = scroller;
    this.onChoice = onChoice;
  }

  /** Shows what the customer sent, on the right; earlier buttons are answered. */
  addCustomer(text) {
    for (const button of this.list.querySelectorAll(".choices button")) {
      button.disabled = true;
    }
    const item = this._item("message message--customer");
    item.append(this._bubble(text));
    this._append(item);
  }

  /**
   * Shows a bot (or support agent) message, on the left.
   *
   * @param {ReturnType<import("./messages.js").normalizeBotMessage>} message
   * @param {string} sender Who speaks ("Assistant" or the agent's name).
   */
  addBot(message, sender) {
    if (!message.text && !message.image && !message.link && message.buttons.length === 0) {
      return;
    }
    const item = this._item("message message--bot");
    const label = document.createElement("span");
    label.className = "message__sender";
    label.textContent = sender;
    item.append(label);
    if (message.text) {
      item.append(this._bubble(message.text));
    }
    if (message.image) {
      const image = document.createElement("img");
      image.className = "message__image";
      image.src = message.image;
      image.alt = "Image from the assistant";
      item.append(image);
    }
    if (message.link) {
      item.append(this._bubble(message.link.href));
    }
    if (message.buttons.length > 0) {
      item.append(this._choices(message.buttons));
    }
    this._append(item);
  }

  /** A centred note from the page itself (login state, connection). */
  addNote(text) {
    const item = this._item("message message--note");
    item.textContent = text;
    this._append(item);
  }

  /** Shows or hides the typing indicator. */
  setTyping(visible) {
    this.typing.hidden = !visible;
    this.list.setAttribute("aria-busy", visible ? "true" : "false");
    this._scroll();
  }

  _item(className) {
    const item = document.createElement("li");
    item.className = className;
    return item;
  }

  _bubble(text) {
    const bubble = document.createElement("p");
    bubble.className = "bubble";
    for (const segment of textSegments(text)) {
      if (segment.kind === "link") {
        const link = document.createElement("a");
        link.href = segment.href;
        link.textContent = segment.text;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        bubble.append(link);
      } else {
        bubble.append(document.createTextNode(segment.text));
      }
    }
    return bubble;
  }

  _choices(buttons) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested answers");
    for (const choice of buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.title;
      button.addEventListener("click", () => {
        for (const other of group.querySelectorAll("button")) {
          other.disabled = true;
        }
        button.classList.add("choice--chosen");
        this.onChoice(choice);
      });
      group.append(button);
    }
    return group;
  }

  _append(item) {
    this.list.append(item);
    this._scroll();
  }

  _scroll() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
