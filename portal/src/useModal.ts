import { useEffect, useRef } from 'preact/hooks';

/**
 * A `<dialog>` shown modal as soon as it mounts (focus moves into it, the page behind is inert);
 * `close` closes it and tells the owner what happened, if anything (the message it shows next).
 */
export function useModal(onClose: (outcome?: string) => void) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  const close = (outcome?: string) => {
    dialog.current?.close();
    onClose(outcome);
  };
  return { dialog, close };
}
