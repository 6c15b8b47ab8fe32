import { mount } from "svelte";
import Assist from "./Assist.svelte";
import "../app.css";

const target = document.getElementById("app");
if (!target) throw new Error("#app is missing from assist.html");
export default mount(Assist, { target });
