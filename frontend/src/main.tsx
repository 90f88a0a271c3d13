// Entry point: apply the remembered theme and language, connect to the
// backend, build the stores once, render.

import "@fontsource-variable/noto-sans-jp/wght.css";
import "@fontsource-variable/noto-sans-kr/wght.css";
import "./styles/app.css";
import { render } from "preact";
import { connect, rawErrorMessage } from "./api";
import { createStores, startStores, StoresContext } from "./stores";
import { applyRemembered } from "./stores/settings";
import { App } from "./views/App";

async function main() {
  applyRemembered();
  const root = document.getElementById("app")!;
  try {
    const api = await connect();
    const stores = createStores(api);
    startStores(stores);
    render(
      <StoresContext.Provider value={stores}>
        <App />
      </StoresContext.Provider>,
      root,
    );
  } catch (err) {
    root.textContent = `Kura could not start: ${rawErrorMessage(err)}`;
  }
}

void main();
