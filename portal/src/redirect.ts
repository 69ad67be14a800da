import { broadcastResponseToMainFrame } from '@azure/msal-browser/redirect-bridge';

/**
 * The page the sign-in authority sends people back to (the app registration's redirect URI):
 * MSAL's redirect bridge hands the answer to the portal page that asked (a pop-up's opener or a
 * hidden frame's parent), or stores it and returns to that page after a full-page sign-in.
 */
broadcastResponseToMainFrame().catch((error: unknown) => {
  const text = document.getElementById('status');
  if (text) text.textContent = `Sign-in could not be completed (${error instanceof Error ? error.message : String(error)}). Go back to the portal and try again.`;
});
